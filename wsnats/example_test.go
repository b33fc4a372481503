//go:build !js

package wsnats_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// runServer starts an embedded nats-server with a TCP and a WebSocket
// listener on free loopback ports. Real programs connect to their own.
func runServer() *natsserver.Server {
	s, err := natsserver.NewServer(&natsserver.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		NoLog:     true,
		NoSigs:    true,
		Websocket: natsserver.WebsocketOpts{Host: "127.0.0.1", Port: -1, NoTLS: true},
	})
	if err != nil {
		panic(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		panic("nats-server did not start")
	}
	return s
}

func ExampleConnect() {
	s := runServer()
	defer s.Shutdown()

	// ws:// works natively and in the browser; nats:// natively only.
	nc, err := wsnats.Connect(s.WebsocketURL(), wsnats.Name("example"))
	if err != nil {
		fmt.Println("connect:", err)
		return
	}
	defer nc.Close()
	fmt.Println(nc.Status())
	// Output: CONNECTED
}

func ExampleConn_Subscribe() {
	s := runServer()
	defer s.Shutdown()
	nc, err := wsnats.Connect(s.ClientURL())
	if err != nil {
		fmt.Println("connect:", err)
		return
	}
	defer nc.Close()

	got := make(chan string, 3)
	if _, err := nc.Subscribe("greet.*", func(m *wsnats.Msg) {
		got <- m.Subject + ": " + string(m.Data)
	}); err != nil {
		fmt.Println("subscribe:", err)
		return
	}
	for _, who := range []string{"alice", "bob", "carol"} {
		if err := nc.Publish("greet."+who, []byte("hello "+who)); err != nil {
			fmt.Println("publish:", err)
			return
		}
	}
	// Flush returns once the server has processed the publishes.
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		fmt.Println("flush:", err)
		return
	}
	for range 3 {
		fmt.Println(<-got)
	}
	// Output:
	// greet.alice: hello alice
	// greet.bob: hello bob
	// greet.carol: hello carol
}

func ExampleConn_Request() {
	s := runServer()
	defer s.Shutdown()
	nc, err := wsnats.Connect(s.WebsocketURL())
	if err != nil {
		fmt.Println("connect:", err)
		return
	}
	defer nc.Close()

	// A service answering on "time.echo".
	if _, err := nc.Subscribe("time.echo", func(m *wsnats.Msg) {
		_ = m.Respond(append([]byte("echo: "), m.Data...))
	}); err != nil {
		fmt.Println("subscribe:", err)
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := nc.Request(ctx, "time.echo", []byte("hi"))
	if err != nil {
		fmt.Println("request:", err)
		return
	}
	fmt.Println(string(resp.Data))

	// Nobody listens here: the server says so at once.
	_, err = nc.Request(ctx, "nobody.home", nil)
	fmt.Println(errors.Is(err, wsnats.ErrNoResponders))
	// Output:
	// echo: hi
	// true
}

func ExampleConn_PublishMsg() {
	s := runServer()
	defer s.Shutdown()
	nc, err := wsnats.Connect(s.ClientURL())
	if err != nil {
		fmt.Println("connect:", err)
		return
	}
	defer nc.Close()

	sub, err := nc.SubscribeSync("orders")
	if err != nil {
		fmt.Println("subscribe:", err)
		return
	}

	m := wsnats.NewMsg("orders")
	m.Header.Set("content-type", "application/json") // stored as Content-Type
	m.Header.Add("X-Tag", "new")
	m.Header.Add("X-Tag", "priority")
	m.Data = []byte(`{"id":1}`)
	if err := nc.PublishMsg(m); err != nil {
		fmt.Println("publish:", err)
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := sub.NextMsg(ctx)
	if err != nil {
		fmt.Println("next:", err)
		return
	}
	fmt.Println(got.Header.Get("Content-Type"))
	fmt.Println(got.Header.Values("x-tag"))
	fmt.Println(string(got.Data))
	// Output:
	// application/json
	// [new priority]
	// {"id":1}
}
