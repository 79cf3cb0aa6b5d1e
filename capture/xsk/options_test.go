package xsk

import (
	"errors"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	if err := func() *Options { o := DefaultOptions(); return &o }().validate(4096); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	for name, mut := range map[string]func(*Options){
		"frame not pow2":     func(o *Options) { o.FrameSize = 3000 },
		"frame too small":    func(o *Options) { o.FrameSize = 1024 },
		"frame above page":   func(o *Options) { o.FrameSize = 8192 },
		"no frames":          func(o *Options) { o.FrameCount = 0 },
		"headroom too large": func(o *Options) { o.Headroom = 4000 },
		"tx > frames":        func(o *Options) { o.TxFrames = o.FrameCount + 1 },
		"fill too small":     func(o *Options) { o.FillRingSize = 1024 },
		"fill not pow2":      func(o *Options) { o.FillRingSize = 5000 },
		"rx not pow2":        func(o *Options) { o.RxRingSize = 1000 },
		"no rings":           func(o *Options) { o.RxRingSize, o.TxRingSize = 0, 0 },
		"bad mode":           func(o *Options) { o.Mode = 9 },
		"busy poll budget":   func(o *Options) { o.BusyPoll, o.BusyPollBudget = true, 0 },
	} {
		o := DefaultOptions()
		mut(&o)
		if err := o.validate(4096); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: got %v, want ErrOptions", name, err)
		}
	}
	o := DefaultOptions()
	o.TxFrames, o.FillRingSize = 2048, 2048 // fill ring holds the 2048 receive frames
	if err := o.validate(4096); err != nil {
		t.Errorf("tx split: %v", err)
	}
}

func TestModeText(t *testing.T) {
	for _, m := range []Mode{ModeAuto, ModeZeroCopy, ModeCopy} {
		var back Mode
		if err := back.UnmarshalText([]byte(m.String())); err != nil || back != m {
			t.Errorf("%v: round trip gave %v, %v", m, back, err)
		}
	}
	var m Mode
	if err := m.UnmarshalText([]byte("fast")); err == nil {
		t.Error("accepted unknown mode")
	}
}

func TestUMEMViews(t *testing.T) {
	u := UMEM{mem: make([]byte, 4*2048), frameSize: 2048, frameCount: 4, txFrames: 2}
	if got := u.TxAddr(0); got != 2*2048 {
		t.Errorf("TxAddr(0) = %d", got)
	}
	if got := u.TxAddr(2); got != ^uint64(0) {
		t.Errorf("TxAddr(2) = %d, want out of range", got)
	}
	if f := u.Frame(Desc{Addr: 2048 + 256, Len: 100}); len(f) != 100 || cap(f) != 100 {
		t.Errorf("Frame len %d cap %d", len(f), cap(f))
	}
	for _, d := range []Desc{
		{Addr: 2000, Len: 100},         // crosses a chunk
		{Addr: 4 * 2048, Len: 1},       // past the end
		{Addr: ^uint64(0) - 5, Len: 9}, // overflows
	} {
		if f := u.Frame(d); f != nil {
			t.Errorf("Frame(%+v) = %d bytes, want nil", d, len(f))
		}
	}
	if c := u.Chunk(3*2048 + 100); len(c) != 2048-100 {
		t.Errorf("Chunk len %d", len(c))
	}
	if c := u.Chunk(4 * 2048); c != nil {
		t.Errorf("Chunk past end = %d bytes", len(c))
	}
}
