//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package bpf

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/rlimit"
)

// layoutCheck compiles only while the hand-written mirrors in common.go
// have the same fields as the types bpf2go generated from the object's
// BTF (xsensor_bpfel.go): a struct conversion needs identical layouts.
var _ = func() bool {
	_ = xsensorXsStats(stats{})
	_ = xsensorXsConfig(config{})
	_ = xsensorXsFlowKey(FlowKey{})
	_ = xsensorXsShuntVal(shuntVal{})
	_ = xsensorXsLpm4(lpm4{})
	_ = xsensorXsLpm6(lpm6{})
	_ = FlowKey(xsensorXsDebug{}.Key)
	return true
}

// progName is the kernel's name of the XDP program (the C function name);
// Attach uses it to recognise a stale xsensor program.
const progName = xsensorProgXsensorXdp

// Program is the loaded XDP program and its maps.
//
// Concurrency: every method may be called from any goroutine; map reads
// and writes are single syscalls the kernel serialises per entry.
// Attach, SetFilter and Close are serialised by an internal mutex.
type Program struct {
	opts Options
	objs xsensorObjects

	mu     sync.Mutex
	links  []*Link
	filter map[netip.Prefix]struct{}
	closed bool
}

// Load loads the XDP program and its maps into the kernel and writes the
// configuration. It does not attach the program to an interface.
func Load(opts Options) (*Program, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	// A no-op on kernels that account BPF memory to the cgroup (5.11+).
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("remove memlock rlimit: %w", err)
	}
	spec, err := loadXsensor()
	if err != nil {
		return nil, err
	}
	spec.Maps[xsensorMapXsXsks].MaxEntries = uint32(opts.Queues * opts.WorkersPerQueue)
	spec.Maps[xsensorMapXsShunt].MaxEntries = uint32(opts.ShuntEntries)

	p := &Program{opts: opts, filter: map[netip.Prefix]struct{}{}}
	if err := spec.LoadAndAssign(&p.objs, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("load xdp program: %w (verifier log: %+v)", err, ve)
		}
		return nil, fmt.Errorf("load xdp program: %w (needs root or CAP_BPF+CAP_NET_ADMIN)", err)
	}
	cfg := opts.config()
	cfg.FilterMode = filterOff // SetFilter switches it on once the tries are filled
	if err := p.writeConfig(cfg); err != nil {
		p.objs.Close()
		return nil, err
	}
	if opts.Filter.Mode != FilterOff {
		if err := p.SetFilter(opts.Filter.Prefixes, opts.Filter.Mode); err != nil {
			p.objs.Close()
			return nil, err
		}
	}
	return p, nil
}

func (p *Program) writeConfig(c config) error {
	if err := p.objs.XsConfigMap.Update(uint32(0), c, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("write xdp config: %w", err)
	}
	return nil
}

func (p *Program) readConfig() (config, error) {
	var c config
	if err := p.objs.XsConfigMap.Lookup(uint32(0), &c); err != nil {
		return c, fmt.Errorf("read xdp config: %w", err)
	}
	return c, nil
}

// Options returns the options the program was loaded with, defaults
// filled in.
func (p *Program) Options() Options {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.opts
}

// Slots returns the size of the XSKMAP: Queues * WorkersPerQueue.
func (p *Program) Slots() int { return p.opts.Queues * p.opts.WorkersPerQueue }

// Slot returns the XSKMAP slot of worker w (0 ≤ w < WorkersPerQueue) on
// RX queue q.
func (p *Program) Slot(q, w int) int { return q*p.opts.WorkersPerQueue + w }

// Register puts the AF_XDP socket xskFD into XSKMAP slot slot; frames the
// program picks for that slot go to the socket from now on.
func (p *Program) Register(slot int, xskFD int) error {
	if slot < 0 || slot >= p.Slots() {
		return fmt.Errorf("register xsk in slot %d: out of range [0, %d)", slot, p.Slots())
	}
	if err := p.objs.XsXsks.Update(uint32(slot), uint32(xskFD), ebpf.UpdateAny); err != nil {
		return fmt.Errorf("register xsk fd %d in slot %d: %w", xskFD, slot, err)
	}
	return nil
}

// Unregister empties XSKMAP slot slot; its frames get the NoSocket
// action. An empty slot is not an error.
func (p *Program) Unregister(slot int) error {
	err := p.objs.XsXsks.Delete(uint32(slot))
	if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("unregister xsk slot %d: %w", slot, err)
	}
	return nil
}

// Counters are the program's counters summed over all CPUs. A frame
// counts once in Seen and once in Passed, Dropped or Redirected (the
// action returned); the other counters say why.
type Counters struct {
	Seen             uint64 // frames the program ran on
	Bytes            uint64 // bytes of those frames
	Redirected       uint64 // handed to an AF_XDP socket (XDP_REDIRECT)
	Passed           uint64 // given to the kernel stack (XDP_PASS)
	Dropped          uint64 // dropped (XDP_DROP)
	ParseErrors      uint64 // truncated or malformed L2/L3 header
	RedirectFailures uint64 // the chosen slot had no socket
	Shunted          uint64 // dropped because the flow is shunted
	Filtered         uint64 // refused by the CIDR filter
}

// Counters reads and sums the per-CPU counters.
func (p *Program) Counters() (Counters, error) {
	var per []stats
	if err := p.objs.XsStatsMap.Lookup(uint32(0), &per); err != nil {
		return Counters{}, fmt.Errorf("read xdp counters: %w", err)
	}
	var s stats
	for _, c := range per {
		for i := range s.Count {
			s.Count[i] += c.Count[i]
		}
		s.Bytes += c.Bytes
	}
	return Counters{
		Seen:             s.Count[statSeen],
		Bytes:            s.Bytes,
		Redirected:       s.Count[statRedirected],
		Passed:           s.Count[statPassed],
		Dropped:          s.Count[statDropped],
		ParseErrors:      s.Count[statParseErrors],
		RedirectFailures: s.Count[statRedirectFail],
		Shunted:          s.Count[statShunted],
		Filtered:         s.Count[statFiltered],
	}, nil
}

// ShuntStats is what the kernel dropped for a shunted flow.
type ShuntStats struct {
	Packets uint64
	Bytes   uint64
}

// Shunt asks the kernel to drop the flow's frames from now on (both
// directions). The key is the 5-tuple key also in ip-pair mode;
// fragments (keyed without ports) are not caught by a 5-tuple shunt.
// Shunting a shunted flow keeps its counts.
func (p *Program) Shunt(key FlowKey) error {
	err := p.objs.XsShunt.Update(key, shuntVal{}, ebpf.UpdateNoExist)
	if err != nil && !errors.Is(err, ebpf.ErrKeyExist) {
		return fmt.Errorf("shunt %v: %w", key, err)
	}
	return nil
}

// Unshunt stops dropping the flow. Unshunting an unknown flow is not an
// error.
func (p *Program) Unshunt(key FlowKey) error {
	err := p.objs.XsShunt.Delete(key)
	if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("unshunt %v: %w", key, err)
	}
	return nil
}

// ErrNotShunted is returned by ShuntStats for a flow not in the shunt map
// (never shunted, unshunted, or evicted by the LRU).
var ErrNotShunted = errors.New("flow not shunted")

// ShuntStats returns what the kernel dropped for a shunted flow.
func (p *Program) ShuntStats(key FlowKey) (ShuntStats, error) {
	var v shuntVal
	if err := p.objs.XsShunt.Lookup(key, &v); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return ShuntStats{}, fmt.Errorf("shunt stats %v: %w", key, ErrNotShunted)
		}
		return ShuntStats{}, fmt.Errorf("shunt stats %v: %w", key, err)
	}
	return ShuntStats{Packets: v.Packets, Bytes: v.Bytes}, nil
}

// SetFilter replaces the CIDR filter. Prefixes no longer wanted are
// removed and new ones added before the mode changes, so there is no
// moment without a filter when mode stays the same; while the set is
// changing a packet may see a mix of the old and the new prefixes.
// IPv4-mapped IPv6 prefixes are treated as IPv4.
func (p *Program) SetFilter(prefixes []netip.Prefix, mode FilterMode) error {
	if mode > FilterDeny {
		return fmt.Errorf("set filter: %w: mode %v", ErrInvalidOptions, mode)
	}
	want := make(map[netip.Prefix]struct{}, len(prefixes))
	for _, pr := range prefixes {
		if !pr.IsValid() {
			return fmt.Errorf("set filter: %w: prefix %v", ErrInvalidOptions, pr)
		}
		want[normPrefix(pr)] = struct{}{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for pr := range p.filter {
		if _, ok := want[pr]; ok {
			continue
		}
		if err := p.filterOp(pr, false); err != nil {
			return err
		}
		delete(p.filter, pr)
	}
	for pr := range want {
		if _, ok := p.filter[pr]; ok {
			continue
		}
		if err := p.filterOp(pr, true); err != nil {
			return err
		}
		p.filter[pr] = struct{}{}
	}
	c, err := p.readConfig()
	if err != nil {
		return err
	}
	c.FilterMode = mode.bpf()
	if err := p.writeConfig(c); err != nil {
		return err
	}
	p.opts.Filter = Filter{Mode: mode, Prefixes: append([]netip.Prefix(nil), prefixes...)}
	return nil
}

func (p *Program) filterOp(pr netip.Prefix, add bool) error {
	var err error
	a := pr.Addr()
	if a.Is4() {
		k := lpm4{Prefixlen: uint32(pr.Bits()), Addr: a.As4()}
		if add {
			err = p.objs.XsFilter4.Update(k, uint8(1), ebpf.UpdateAny)
		} else {
			err = p.objs.XsFilter4.Delete(k)
		}
	} else {
		k := lpm6{Prefixlen: uint32(pr.Bits()), Addr: a.As16()}
		if add {
			err = p.objs.XsFilter6.Update(k, uint8(1), ebpf.UpdateAny)
		} else {
			err = p.objs.XsFilter6.Delete(k)
		}
	}
	if err != nil {
		op := "add"
		if !add {
			op = "remove"
		}
		return fmt.Errorf("%s filter prefix %v: %w", op, pr, err)
	}
	return nil
}

// Close detaches the program from every interface it was attached to by
// this Program and releases the program and its maps.
func (p *Program) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	var errs []error
	for _, l := range p.links {
		if err := l.close(); err != nil {
			errs = append(errs, err)
		}
	}
	p.links = nil
	if err := p.objs.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close xdp objects: %w", err))
	}
	return errors.Join(errs...)
}

// lastVerdict returns the program's debug record (Options.debug).
func (p *Program) lastVerdict() (xsensorXsDebug, error) {
	var d xsensorXsDebug
	err := p.objs.XsDebugMap.Lookup(uint32(0), &d)
	return d, err
}
