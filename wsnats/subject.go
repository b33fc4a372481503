package wsnats

import "fmt"

// checkSubject validates a subject the way nats-server does: non-empty
// tokens separated by '.', no white space, and wildcards ('*', '>') only as
// whole tokens with '>' last. When literal is true (publish subjects),
// wildcards are not allowed at all.
func checkSubject(subj string, literal bool) error {
	if subj == "" {
		return fmt.Errorf("%w: empty subject", ErrBadSubject)
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
	for i := 0; i < len(queue); i++ {
		switch queue[i] {
		case ' ', '\t', '\r', '\n', '\f', 0:
			return fmt.Errorf("%w: %q contains white space", ErrBadQueueName, queue)
		}
	}
	return nil
}
