// Package dist holds the flashable build: `make dist` turns a static
// xsensor binary into a tarball and a .deb with systemd units per role and
// a one-box default configuration. There is no Go code here, only the
// packaging sources and the test that checks what `make dist` produces.
//
// Layout:
//
//	build.sh        BIN VERSION ARCH OUTDIR → OUTDIR/xsensor_VERSION_ARCH.{tar.gz,deb}
//	systemd/        xsensor.target, xsensor-manager.service, xsensor-{logger,proxy,worker}@.service,
//	                and two ordering barriers (xsensor-loggers.target, xsensor-proxies.target)
//	etc/            node.cfg and xsensor.cfg for /etc/xsensor; default.xsensor for /etc/default/xsensor
//	debian/         control template, conffiles, postinst, prerm, postrm
//
// Start order. zeekctl starts the manager, then loggers, proxies and
// workers. systemd cannot order after "every instance of a template", so
// loggers come Before=xsensor-loggers.target and proxies
// Before=xsensor-proxies.target, and later roles come After= those
// barriers; xsensor.target Wants= both barriers so they are part of every
// start. Cross-role dependencies are After= only, never Wants=: a worker
// box must not pull in a manager it does not run.
//
// Install. postinst creates the xsensor system user and, on first install,
// enables the units of the shipped node.cfg (systemctl --root, or the same
// symlinks by hand where systemctl is missing). It never starts them: the
// interface has to be configured first. Under `dpkg --root DIR
// --force-script-chrootless` (DPKG_ROOT=DIR) the scripts touch only DIR,
// which is how the test installs into a scratch root.
package dist
