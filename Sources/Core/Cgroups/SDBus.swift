import Glibc
import Rootless

/// libsystemd's sd-bus, opened with dlopen the first time the systemd cgroup driver needs it.
/// rsrun does not link libsystemd: every other command, and every host without systemd, never
/// loads it (it pulls in half a dozen libraries and their relocations on each start).
/// Only non-variadic entry points are used, since Swift cannot call C variadic functions:
/// messages are built one basic value or container at a time (see BusMessage).
///
/// `sd_bus *`, `sd_bus_message *` and `sd_bus_slot *` are opaque; `sd_bus_error` is handled as
/// raw memory (Bus.call), so no libsystemd header is needed to build rsrun.
struct SDBus {
    typealias BusOut = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias BusString = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32
    typealias BusInt = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias BusOnly = @convention(c) (OpaquePointer?) -> Int32
    typealias BusUnref = @convention(c) (OpaquePointer?) -> OpaquePointer?
    typealias NewMethodCall = @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, UnsafePointer<CChar>?,
                                              UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32
    typealias AppendBasic = @convention(c) (OpaquePointer?, CChar, UnsafeRawPointer?) -> Int32
    typealias AppendArray = @convention(c) (OpaquePointer?, CChar, UnsafeRawPointer?, Int) -> Int32
    typealias Container = @convention(c) (OpaquePointer?, CChar, UnsafePointer<CChar>?) -> Int32
    typealias ReadBasic = @convention(c) (OpaquePointer?, CChar, UnsafeMutableRawPointer?) -> Int32
    typealias Call = @convention(c) (OpaquePointer?, OpaquePointer?, UInt64, UnsafeMutableRawPointer?,
                                     UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    /// sd_bus_message_handler_t: (message, userdata, ret_error).
    typealias MessageHandler = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32
    typealias MatchSignal = @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, UnsafePointer<CChar>?,
                                            UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                            MessageHandler?, UnsafeMutableRawPointer?) -> Int32
    typealias Process = @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias Wait = @convention(c) (OpaquePointer?, UInt64) -> Int32
    typealias ErrorFree = @convention(c) (UnsafeMutableRawPointer?) -> Void

    let openSystem: BusOut
    let new: BusOut
    let setAddress: BusString
    let setBusClient: BusInt
    let start: BusOnly
    let flushCloseUnref: BusUnref
    let newMethodCall: NewMethodCall
    let appendBasic: AppendBasic
    let appendArray: AppendArray
    let openContainer: Container
    let closeContainer: BusOnly
    let enterContainer: Container
    let exitContainer: BusOnly
    let readBasic: ReadBasic
    let messageUnref: BusUnref
    let call: Call
    let matchSignal: MatchSignal
    let process: Process
    let wait: Wait
    let errorFree: ErrorFree

    static let library = "libsystemd.so.0"

    /// dlopen is reference-counted, so loading again per bus costs a lookup, not a second copy.
    /// The library is never closed: sd-bus keeps per-thread state that outlives a connection.
    static func load(_ library: String = SDBus.library) throws -> SDBus {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            throw RuntimeError("the systemd cgroup driver needs \(SDBus.library) (apt install libsystemd0)")
        }
        func symbol<T>(_ name: String, _: T.Type) throws -> T {
            guard let address = dlsym(handle, name) else {
                throw RuntimeError("\(library) has no \(name): the systemd cgroup driver needs libsystemd from systemd 237 or later")
            }
            return unsafeBitCast(address, to: T.self)
        }
        return SDBus(
            openSystem: try symbol("sd_bus_open_system", BusOut.self),
            new: try symbol("sd_bus_new", BusOut.self),
            setAddress: try symbol("sd_bus_set_address", BusString.self),
            setBusClient: try symbol("sd_bus_set_bus_client", BusInt.self),
            start: try symbol("sd_bus_start", BusOnly.self),
            flushCloseUnref: try symbol("sd_bus_flush_close_unref", BusUnref.self),
            newMethodCall: try symbol("sd_bus_message_new_method_call", NewMethodCall.self),
            appendBasic: try symbol("sd_bus_message_append_basic", AppendBasic.self),
            appendArray: try symbol("sd_bus_message_append_array", AppendArray.self),
            openContainer: try symbol("sd_bus_message_open_container", Container.self),
            closeContainer: try symbol("sd_bus_message_close_container", BusOnly.self),
            enterContainer: try symbol("sd_bus_message_enter_container", Container.self),
            exitContainer: try symbol("sd_bus_message_exit_container", BusOnly.self),
            readBasic: try symbol("sd_bus_message_read_basic", ReadBasic.self),
            messageUnref: try symbol("sd_bus_message_unref", BusUnref.self),
            call: try symbol("sd_bus_call", Call.self),
            matchSignal: try symbol("sd_bus_match_signal", MatchSignal.self),
            process: try symbol("sd_bus_process", Process.self),
            wait: try symbol("sd_bus_wait", Wait.self),
            errorFree: try symbol("sd_bus_error_free", ErrorFree.self))
    }

    /// D-Bus type codes as sd-bus takes them (a C `char`).
    static func type(_ code: Unicode.Scalar) -> CChar { CChar(UInt8(code.value)) }
}
