package conn

import "net/netip"

// Hooks for the protocol layer above the table (the worker's stream
// reassembly and analyzers). They are additive to the table's contract:
// a table without hooks behaves as before.

// Slot returns the value the owner of the table attached to c with
// SetSlot, or -1 when none was attached since c was created. The worker
// uses it as an index into its own per-connection analyzer state.
func (c *Conn) Slot() int32 { return c.slot - 1 }

// SetSlot attaches v (≥ 0, or -1 to detach) to c until c is removed.
func (c *Conn) SetSlot(v int32) { c.slot = v + 1 }

// IsOrig reports whether a packet from src:sp travels from c's originator
// (with the roles as they are now, after any flip).
func (c *Conn) IsOrig(src netip.Addr, sp uint16) bool { return src == c.origH && sp == c.origP }

// IsTCP reports whether c is a TCP connection.
func (c *Conn) IsTCP() bool { return c.kind == kindTCP }

// IsUDP reports whether c is a UDP connection.
func (c *Conn) IsUDP() bool { return c.kind == kindUDP }

// RespPort returns the responder's port (roles as they are now).
func (c *Conn) RespPort() uint16 { return c.respP }

// OrigPort returns the originator's port (roles as they are now).
func (c *Conn) OrigPort() uint16 { return c.origP }

// RespAddr returns the responder's address (roles as they are now).
func (c *Conn) RespAddr() netip.Addr { return c.respH }

// SetRemoveHook installs fn, called for every connection the table
// removes, just before its conn.log record is built: analyzers finish
// their logs and add services there. fn must not call back into the
// table except through c's own methods (AddService, AddHistory, ID,
// Slot). nil removes the hook.
func (t *Table) SetRemoveHook(fn func(c *Conn)) { t.removeHook = fn }

// SetInactivityTimeout changes c's inactivity timeout (ns; 0 disables it),
// as Zeek's analyzers do with Conn::SetInactivityTimeout.
func (c *Conn) SetInactivityTimeout(d int64) { c.tbl.setInactivityTimeout(c, d) }

// LastTime returns the time of c's last packet (ns).
func (c *Conn) LastTime() int64 { return c.last }

// Flips counts c's role flips (wrapping at 256): a cheap way for the
// protocol layer to notice that its copy of c's identity is stale.
func (c *Conn) Flips() uint8 { return c.flips }
