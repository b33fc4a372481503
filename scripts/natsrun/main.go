// Command natsrun starts an embedded nats-server on loopback (TCP and
// websocket on free ports), runs a command with NATS_URL and NATS_WS_URL
// set in its environment, and exits with the command's status. The browser
// tests and benchmarks use it to give code inside Chromium a real server.
// With -auth it also starts servers that demand credentials (auth.go).
// It always starts a server that tests may restart (restart.go).
//
//	go run ./scripts/natsrun -- go test -exec ... ./wsnats/
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

func main() {
	trace := flag.Bool("trace", false, "log the server's protocol traffic")
	auth := flag.Bool("auth", false, "also start servers that demand credentials (see auth.go)")
	web := flag.String("web", "web", "directory served at NATS_WEB_URL (with CORS), for pages under test to import the loader's modules from")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: natsrun [-trace] [-auth] -- command [args...]")
		os.Exit(2)
	}
	opts := &server.Options{
		Host:   "127.0.0.1",
		Port:   -1,
		NoSigs: true,
		NoLog:  !*trace,
		Trace:  *trace,
		Debug:  *trace,
		Websocket: server.WebsocketOpts{
			Host:  "127.0.0.1",
			Port:  -1,
			NoTLS: true,
		},
	}
	s, err := server.NewServer(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsrun: failed to create server:", err)
		os.Exit(1)
	}
	if *trace {
		s.ConfigureLogger()
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		fmt.Fprintln(os.Stderr, "natsrun: server did not start")
		os.Exit(1)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	webURL, err := serveDir(*web)
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsrun:", err)
		s.Shutdown()
		os.Exit(1)
	}
	cmd.Env = append(os.Environ(), "NATS_URL="+s.ClientURL(), "NATS_WS_URL="+s.WebsocketURL(), "NATS_WEB_URL="+webURL)
	as := &authServers{}
	if *auth {
		if as, err = startAuthServers(); err != nil {
			fmt.Fprintln(os.Stderr, "natsrun:", err)
			s.Shutdown()
			os.Exit(1)
		}
		cmd.Env = append(cmd.Env, as.env...)
	}
	rs, renv, err := startRestartable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsrun:", err)
		s.Shutdown()
		as.shutdown()
		os.Exit(1)
	}
	cmd.Env = append(cmd.Env, renv...)
	err = cmd.Run()
	rs.shutdown()
	s.Shutdown()
	as.shutdown()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.ExitCode())
	case err != nil:
		fmt.Fprintln(os.Stderr, "natsrun:", err)
		os.Exit(1)
	}
}

// serveDir serves dir over HTTP on loopback, readable from any origin, and
// returns its URL.
func serveDir(dir string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: cors(http.FileServer(http.Dir(dir))), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}
