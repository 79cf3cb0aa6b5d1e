package probe

// Run performs every check that applies to o and returns the findings in
// a fixed order: host checks first, then the interface's.
func Run(o Options) []Finding {
	if err := o.validate(); err != nil {
		return []Finding{fail("options", "fix the node configuration", "%v", err)}
	}
	var fs []Finding
	fs = append(fs, checkKernel())
	fs = append(fs, checkMemlock(o))
	fs = append(fs, checkCPUs(o)...)
	fs = append(fs, checkBPF())
	if o.Interface == "" {
		return fs
	}
	ifs := checkInterface(o)
	return append(fs, ifs...)
}
