package zeeklog

import "fmt"

// Type is a Zeek log field type.
type Type uint8

const (
	Time Type = iota
	Interval
	String
	Addr
	Subnet
	Port
	Enum
	Count
	Int
	Double
	Bool
	SetString
	SetEnum
	SetAddr
	SetCount
	SetPort
	VectorString
	VectorInterval
	VectorCount
)

var typeNames = [...]string{
	Time:           "time",
	Interval:       "interval",
	String:         "string",
	Addr:           "addr",
	Subnet:         "subnet",
	Port:           "port",
	Enum:           "enum",
	Count:          "count",
	Int:            "int",
	Double:         "double",
	Bool:           "bool",
	SetString:      "set[string]",
	SetEnum:        "set[enum]",
	SetAddr:        "set[addr]",
	SetCount:       "set[count]",
	SetPort:        "set[port]",
	VectorString:   "vector[string]",
	VectorInterval: "vector[interval]",
	VectorCount:    "vector[count]",
}

// String returns Zeek's name for t as the #types header line writes it.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Field is one column of a log stream.
type Field struct {
	Name string // Zeek's dotted name, e.g. "id.orig_h"
	Type Type
}

// Schema describes a log stream: its path (the file name without ".log"
// and the #path header) and its fields in Zeek's order. A Schema is
// immutable once handed to NewEncoder or Create.
type Schema struct {
	Path   string
	Fields []Field
}
