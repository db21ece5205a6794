/// The text around the verb table that `rsrun help` and the man page share.
enum ManualText {
    static let tagline = "a small, fast, rootless-first OCI container runtime"

    static let synopsis = "[global options] COMMAND [options] [ID] [ARG...]"

    static let description = """
        rsrun runs OCI bundles (a config.json and a root filesystem) the way runc and crun \
        do: the same commands, global options, config.json and state JSON, so podman, \
        docker and containerd can use it in their place.

        It is built for the unprivileged case first: run by an ordinary user it creates the \
        user namespace itself and keeps its state under $XDG_RUNTIME_DIR/rsrun; run as root \
        it keeps state under /run/rsrun.

        Global options go before the command, the command's options after it. An option's \
        value follows it (--root DIR) or is joined with = (--root=DIR); long options may \
        also be spelled with one dash (-root), as runc accepts.
        """

    static let environment: [(name: String, text: String)] = [
        ("XDG_RUNTIME_DIR", """
            an unprivileged user's state goes to $XDG_RUNTIME_DIR/rsrun (else \
            /run/user/UID/rsrun); it must be a directory the user owns
            """),
        ("NOTIFY_SOCKET", """
            read by rsrun only as part of the caller's environment: it is not relayed into \
            the container (no sd_notify support yet); give the container the socket through \
            the config's mounts and process.env
            """),
        ("LISTEN_FDS, LISTEN_PID", """
            socket activation: when LISTEN_PID is rsrun's pid, create and run pass the \
            LISTEN_FDS fds from 3 up to the container and set LISTEN_FDS in its environment
            """),
        ("RSRUN_NEWUIDMAP, RSRUN_NEWGIDMAP", "the newuidmap and newgidmap to use instead of PATH's"),
        ("RSRUN_USERNS_POOL", """
            off (or 0) turns the user namespace pool off; a number of seconds sets how long \
            an idle pool waits before it exits
            """),
    ]

    static let files: [(name: String, text: String)] = [
        ("/run/rsrun", "the containers' state when run as root"),
        ("$XDG_RUNTIME_DIR/rsrun", "the containers' state when run as an unprivileged user"),
        ("BUNDLE/config.json", "the container's configuration, as the OCI runtime spec defines it"),
    ]

    static let exitStatus = """
        0 on success. In the foreground, run and exec exit with the container process's \
        status, or 128+N when signal N killed it. Any error exits with 1 after one line on \
        stderr that starts with "rsrun: " and names the command, the container and what is \
        wrong.
        """

    static let seeAlso = ["runc(8)", "crun(1)", "podman(1)", "containers.conf(5)", "dockerd(8)", "containerd(8)", "ctr(8)"]
}
