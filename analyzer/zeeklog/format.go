package zeeklog

import (
	"fmt"
	"strings"
)

// Format is a log file format.
type Format uint8

const (
	TSV  Format = iota // Zeek's Ascii writer default: header block and tab-separated values
	JSON               // Zeek's Ascii writer with LogAscii::use_json=T: one object per line
)

// String returns "tsv" or "json".
func (f Format) String() string {
	switch f {
	case TSV:
		return "tsv"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// MarshalText implements encoding.TextMarshaler.
func (f Format) MarshalText() ([]byte, error) {
	if f > JSON {
		return nil, fmt.Errorf("unknown log format %d", uint8(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText accepts "tsv" or "json" (any case).
func (f *Format) UnmarshalText(text []byte) error {
	switch strings.ToLower(string(text)) {
	case "tsv":
		*f = TSV
	case "json":
		*f = JSON
	default:
		return fmt.Errorf("unknown log format %q (want tsv or json)", text)
	}
	return nil
}
