package xsk

// RingState is a snapshot of one ring's free-running indices. Producer -
// Consumer (mod 2^32) is the number of entries in the ring.
type RingState struct {
	Producer, Consumer, Size uint32
}

// Len returns the number of entries between consumer and producer.
func (r RingState) Len() uint32 { return r.Producer - r.Consumer }

// Stats are a socket's counters: the kernel's XDP_STATISTICS, this
// package's own counters, and the current ring indices. Fill and
// Completion describe the group's shared rings.
type Stats struct {
	// From the kernel (XDP_STATISTICS). Older kernels leave the last
	// three zero.
	RxDropped            uint64 // dropped for reasons other than invalid descriptors
	RxInvalidDescs       uint64
	TxInvalidDescs       uint64
	RxRingFull           uint64 // dropped because this socket's RX ring was full
	RxFillRingEmptyDescs uint64 // times the kernel found the fill ring empty
	TxRingEmptyDescs     uint64

	// Counted by this package.
	Received        uint64 // descriptors taken from the RX ring
	Released        uint64 // chunks handed back towards the fill ring
	ReleaseOverflow uint64 // chunks dropped by Release because the return ring was full (double release)
	Transmitted     uint64 // descriptors put on the TX ring
	Completed       uint64 // addresses taken from the completion ring
	Refills         uint64 // drains of the return rings into the fill ring (group-wide)
	Wakeups         uint64 // syscalls made to kick or wake the kernel

	Rx, Tx, Fill, Completion RingState
}

func consState(r *consRing) RingState {
	if r.producer == nil {
		return RingState{}
	}
	return RingState{Producer: r.producer.Load(), Consumer: r.consumer.Load(), Size: r.size}
}

func prodState(r *prodRing) RingState {
	if r.producer == nil {
		return RingState{}
	}
	return RingState{Producer: r.producer.Load(), Consumer: r.consumer.Load(), Size: r.size}
}
