package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wasm-nats/wasm-nats/wsnats"
	"github.com/wasm-nats/wasm-nats/wsnats/agent"
)

// An agent on the in-process bus: it gets what is published to
// agents.greeter and publishes a greeting. With a NATS connection
// (agent.WithNATS) the same code runs over the server.
func Example() {
	bus := agent.NewBus()
	printed := make(chan struct{})
	sub, _ := bus.Subscribe("greetings", func(m *wsnats.Msg) {
		var msg agent.Message
		_ = json.Unmarshal(m.Data, &msg)
		fmt.Printf("%s says %s\n", msg.From, msg.Payload)
		close(printed)
	})
	defer sub.Unsubscribe()

	greeter := agent.HandlerFunc(func(ctx agent.Context, msg agent.Message) error {
		var name string
		if err := json.Unmarshal(msg.Payload, &name); err != nil {
			return err
		}
		return ctx.Publish("greetings", agent.Message{Payload: json.RawMessage(strconv.Quote("hello, " + name))})
	})
	sup := agent.NewSupervisor(agent.WithMessenger(bus))
	err := sup.Start(context.Background(), []agent.Config{{ID: "greeter", NATSEnabled: true}},
		func(agent.Config) (agent.Agent, error) { return greeter, nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = bus.Publish("agents.greeter", []byte(`"world"`))
	<-printed
	_ = sup.Stop(context.Background())
	// Output: greeter says "hello, world"
}

// The counter demo agent crashes on {"crash":true}; the supervisor
// restarts it and the count kept in its memory survives.
func ExampleSupervisor_restart() {
	sup := agent.NewSupervisor()
	counter, _ := agent.Lookup("counter")
	if err := sup.Start(context.Background(), []agent.Config{{ID: "c"}}, counter); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []string{`1`, `2`, `{"crash":true}`, `3`} {
		if err := sup.Send("c", agent.Message{Payload: json.RawMessage(p)}); err != nil {
			fmt.Println(err)
		}
	}
	_ = sup.Stop(context.Background()) // handles what the mailbox holds first
	mem, _ := sup.Memory("c")
	n, _ := agent.Count(mem)
	st, _ := sup.Status("c")
	fmt.Printf("count %d, restarts %d, state %s\n", n, st.Restarts, st.State)
	// Output: count 3, restarts 1, state stopped
}

// Binary NATS data travels in the raw form and comes back intact.
func ExampleFromNATS() {
	m := agent.FromNATS(&wsnats.Msg{Subject: "sensors.1", Data: []byte{0xde, 0xad}})
	data, _ := m.RawBytes()
	fmt.Println(m.From, m.To, string(m.Payload), data)
	// Output: nats sensors.1 {"raw":"3q0="} [222 173]
}
