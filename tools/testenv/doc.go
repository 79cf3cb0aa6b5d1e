// Package testenv holds the helpers that tests of every tier share: the
// skip-or-fail rule for privileged tests and the location of Zeek's test
// data in ../shared.
package testenv
