import CShim
import Glibc
import Rootless

/// The child's side of `process.terminal`: a pty from the container's own devpts, its master
/// sent to the waiting rsrun (which hands it to --console-socket or relays it), its slave the
/// controlling terminal and stdio of the container process.
enum TerminalSetup {
    /// `bindConsole`: the init also binds the slave over /dev/console, as runc and crun do.
    static func allocate(_ terminal: TerminalPlan, channel: Int32, bindConsole: Bool) throws {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        if master < 0 { throw RuntimeError(step: "open", path: "/dev/ptmx", "", errno: cshim_errno()) }
        defer { close(master) }
        var unlock: Int32 = 0
        if cshim_ioctl_ptr(master, CSHIM_TIOCSPTLCK, &unlock) != 0 { throw RuntimeError.system("unlock the pty") }
        let slave = cshim_ioctl_int(master, CSHIM_TIOCGPTPEER, UInt(O_RDWR | O_NOCTTY | O_CLOEXEC))
        if slave < 0 { throw RuntimeError.system("open the pty's slave") }
        if let size = terminal.size {
            var window = winsize(ws_row: size.rows, ws_col: size.columns, ws_xpixel: 0, ws_ypixel: 0)
            if cshim_ioctl_ptr(slave, CSHIM_TIOCSWINSZ, &window) != 0 {
                throw RuntimeError(path: "process.consoleSize", "TIOCSWINSZ", errno: cshim_errno())
            }
        }
        if bindConsole { bindOverConsole(master) }
        SyncChannel.send(channel, .console(master))
        if setsid() < 0 { throw RuntimeError.system("setsid") }
        if cshim_ioctl_int(slave, CSHIM_TIOCSCTTY, 0) != 0 { throw RuntimeError.system("make the pty the controlling terminal") }
        for fd in Int32(0)...2 where cshim_dup3(slave, fd, 0) < 0 { throw RuntimeError.system("dup the pty onto stdio") }
        close(slave)
    }

    /// Best effort: a /dev that cannot hold a console file keeps the container without one.
    static func bindOverConsole(_ master: Int32) {
        var number: UInt32 = 0
        guard cshim_ioctl_ptr(master, CSHIM_TIOCGPTN, &number) == 0 else { return }
        let fd = open("/dev/console", O_RDONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
        _ = Glibc.mount("/dev/pts/\(number)", "/dev/console", nil, UInt(MS_BIND), nil)
    }
}
