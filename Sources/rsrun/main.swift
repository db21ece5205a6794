import Core
import Glibc
import Rootless

/// rsrun's entry: global flags, then one verb. Every failure is one line on stderr
/// (`rsrun: create c1: <what>`), mirrored to --log, and a non-zero exit.
func entry() -> Int32 {
    var cli = CLI()
    do {
        return try cli.main(Array(CommandLine.arguments.dropFirst()))
    } catch let error as RuntimeError {
        return cli.fail(error)
    } catch {
        return cli.fail(RuntimeError("\(error)"))
    }
}

exit(entry())
