package wsnats

import "time"

// waitTimer is the part of time.Timer the writer uses, so that tests can
// drive the writer's timers by hand instead of waiting.
type waitTimer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time   { return r.t.C }
func (r realTimer) Reset(d time.Duration) { r.t.Reset(d) }
func (r realTimer) Stop()                 { r.t.Stop() }

// timer returns a started timer for d: a real one unless the options
// carry a maker of their own.
func (o *Options) timer(d time.Duration) waitTimer {
	if o.newTimer != nil {
		return o.newTimer(d)
	}
	return realTimer{time.NewTimer(d)}
}
