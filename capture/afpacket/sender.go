package afpacket

// Sender transmits whole link-layer frames on one interface through an
// AF_PACKET socket, for packet generators and tests.
//
// Concurrency: one goroutine calls Send; Close once, after it stopped.
type Sender struct {
	fd      int
	ifindex int
	sent    uint64
}

// SenderOptions configures a Sender.
type SenderOptions struct {
	// QdiscBypass hands frames straight to the driver
	// (PACKET_QDISC_BYPASS), skipping the interface's queueing discipline.
	QdiscBypass bool
}

// Sent returns how many frames Send has handed to the kernel.
func (s *Sender) Sent() uint64 { return s.sent }
