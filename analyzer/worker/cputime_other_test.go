//go:build !unix

package worker

func processCPU() float64 { return 0 }
