package wsnats

import "fmt"

// MaxSubjectLen is the longest subject, reply subject or queue group, in
// bytes, that the client sends; longer ones are refused with ErrBadSubject
// (ErrBadQueueName) at the call. nats-server closes a connection whose
// protocol line passes its max_control_line (4096 bytes by default), and a
// PUB line holds a subject and a reply: with the limit well below, one
// long subject cannot make the server drop the connection. nats.go leaves
// this to the server.
const MaxSubjectLen = 2000

// checkSubject validates a subject the way nats-server does: non-empty
// tokens separated by '.', no white space, and wildcards ('*', '>') only as
// whole tokens with '>' last. When literal is true (publish subjects),
// wildcards are not allowed at all. It is at most MaxSubjectLen bytes.
func checkSubject(subj string, literal bool) error {
	if subj == "" {
		return fmt.Errorf("%w: empty subject", ErrBadSubject)
	}
	if len(subj) > MaxSubjectLen {
		return fmt.Errorf("%w: %d bytes, more than the %d allowed (starts %q)", ErrBadSubject, len(subj), MaxSubjectLen, subj[:32])
	}
	start := 0
	for i := 0; i <= len(subj); i++ {
		if i < len(subj) {
			switch subj[i] {
			case ' ', '\t', '\r', '\n', '\f', 0:
				return fmt.Errorf("%w: %q contains white space", ErrBadSubject, subj)
			case '.':
			default:
				continue
			}
		}
		tok := subj[start:i]
		switch {
		case tok == "":
			return fmt.Errorf("%w: %q has an empty token", ErrBadSubject, subj)
		case tok == ">" && i != len(subj):
			return fmt.Errorf("%w: %q has '>' before its last token", ErrBadSubject, subj)
		case literal && (tok == "*" || tok == ">"):
			return fmt.Errorf("%w: %q has a wildcard; publish subjects must be literal", ErrBadSubject, subj)
		}
		start = i + 1
	}
	return nil
}

// checkQueue validates a queue group name: non-empty, no white space.
func checkQueue(queue string) error {
	if queue == "" {
		return fmt.Errorf("%w: empty queue name", ErrBadQueueName)
	}
	if len(queue) > MaxSubjectLen {
		return fmt.Errorf("%w: %d bytes, more than the %d allowed (starts %q)", ErrBadQueueName, len(queue), MaxSubjectLen, queue[:32])
	}
	for i := 0; i < len(queue); i++ {
		switch queue[i] {
		case ' ', '\t', '\r', '\n', '\f', 0:
			return fmt.Errorf("%w: %q contains white space", ErrBadQueueName, queue)
		}
	}
	return nil
}
