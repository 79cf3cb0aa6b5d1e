package config

import (
	"strconv"
	"strings"
)

// Error is one configuration problem, located in its file.
// Its text is one line: "node.cfg:12: worker-1: interface: missing".
// Node and Key are empty when the problem is not about one node or key;
// Line is 0 when it is about the file as a whole.
type Error struct {
	File string // path as given to Load
	Line int    // 1-based; 0 for the whole file
	Node string // the [section], if any
	Key  string // the key at fault, if any
	Msg  string
	Err  error // underlying error, if any (Unwrap returns it)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Node != "" {
		b.WriteString(e.Node)
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	// One line, always: a value quoted into Msg cannot break it.
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(b.String())
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
