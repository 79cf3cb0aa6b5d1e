package main

import (
	"fmt"
	"os"
)

// Set by the linker (see Makefile).
var (
	commit    = "unknown"
	buildDate = "unknown"
)

type command struct {
	name  string
	usage string
	run   func(args []string) error
}

var commands []command

func register(c command) { commands = append(commands, c) }

func usage() {
	fmt.Fprintln(os.Stderr, "usage: xsensor COMMAND [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", c.name, c.usage)
	}
}

func main() {
	register(command{"version", "print the version", func([]string) error {
		fmt.Printf("xsensor %s (built %s)\n", commit, buildDate)
		return nil
	}})
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	for _, c := range commands {
		if c.name == os.Args[1] {
			if err := c.run(os.Args[2:]); err != nil {
				fmt.Fprintf(os.Stderr, "xsensor %s: %v\n", c.name, err)
				os.Exit(1)
			}
			return
		}
	}
	fmt.Fprintf(os.Stderr, "xsensor: unknown command %q\n", os.Args[1])
	usage()
	os.Exit(2)
}
