// Package uid makes Zeek-style unique identifiers: a one-letter prefix
// ('C' for connections) followed by 96 random-looking bits written in
// base62, as Zeek's src/UID.cc does. See generator.go for how the bits
// are made (a keyed permutation of a counter).
package uid
