package agent

import (
	"fmt"
	"strings"

	"github.com/wasm-nats/wasm-nats/wsnats"
)

// validSubject checks subj like a NATS server does: non-empty tokens
// separated by '.', no white space, and the wildcards '*' and '>' only as
// whole tokens, '>' last. With literal set (publish subjects) no wildcard
// is allowed. Errors wrap wsnats.ErrBadSubject.
func validSubject(subj string, literal bool) error {
	if subj == "" {
		return fmt.Errorf("%w: empty subject", wsnats.ErrBadSubject)
	}
	if strings.ContainsAny(subj, " \t\r\n\f\x00") {
		return fmt.Errorf("%w: %q contains white space", wsnats.ErrBadSubject, subj)
	}
	toks := strings.Split(subj, ".")
	for i, t := range toks {
		switch {
		case t == "":
			return fmt.Errorf("%w: %q has an empty token", wsnats.ErrBadSubject, subj)
		case literal && (t == "*" || t == ">"):
			return fmt.Errorf("%w: %q has a wildcard; publish subjects must be literal", wsnats.ErrBadSubject, subj)
		case t == ">" && i != len(toks)-1:
			return fmt.Errorf("%w: %q has '>' before its last token", wsnats.ErrBadSubject, subj)
		}
	}
	return nil
}

// MatchSubject reports whether the literal subject subj matches pattern,
// with NATS rules: '*' matches exactly one token, '>' (last token only)
// matches one or more tokens, anything else must be equal. Malformed
// patterns or subjects match nothing.
func MatchSubject(pattern, subj string) bool {
	if validSubject(pattern, false) != nil || validSubject(subj, true) != nil {
		return false
	}
	return match(pattern, subj)
}

// match is MatchSubject for a pattern and subject already validated.
func match(pattern, subj string) bool {
	for {
		pt, prest, pmore := strings.Cut(pattern, ".")
		st, srest, smore := strings.Cut(subj, ".")
		switch {
		case pt == ">":
			return true // st is a real token: '>' needs at least one
		case pt != "*" && pt != st:
			return false
		case !pmore || !smore:
			return pmore == smore
		}
		pattern, subj = prest, srest
	}
}
