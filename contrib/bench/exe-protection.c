// Measures what each CVE-2019-5736 protection costs at the moment it is applied: the step
// itself, then the execve it protects. docs/architecture.md has the figures; run it with
// contrib/bench/exe-protection.sh (as root, for the mount-based candidates).
//
//   exe-protection direct     PROG ARGS...   execve(PROG): no protection
//   exe-protection memfd      PROG ARGS...   copy PROG into a sealed memfd, execveat it
//   exe-protection robind     PROG ARGS...   detached read-only bind of PROG (open_tree,
//                                            mount_setattr), execveat of that O_PATH fd
//   exe-protection opath-ro   PROG ARGS...   private mount namespace, PROG bound read-only
//                                            over itself, O_PATH open, execveat
//   exe-protection trampoline IMAGE PROG ARGS...  IMAGE (the exec trampoline) into a sealed
//                                            memfd, execveat it with rsrun's argv convention
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what) { perror(what); return 111; }

static int sealed_copy(const char *path) {
    int src = open(path, O_RDONLY | O_CLOEXEC);
    if (src < 0) return -1;
    struct stat st;
    if (fstat(src, &st) != 0) return -1;
    int fd = memfd_create("exe-copy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    off_t off = 0;
    while (off < st.st_size)
        if (sendfile(fd, src, &off, st.st_size - off) <= 0) return -1;
    close(src);
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) return -1;
    return fd;
}

struct mount_attr_ { unsigned long long set, clr, propagation, userns; };

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: exe-protection MODE PROG ARGS...\n"); return 2; }
    const char *mode = argv[1];
    if (!strcmp(mode, "direct")) {
        execve(argv[2], argv + 2, environ);
        return fail("execve");
    }
    if (!strcmp(mode, "memfd")) {
        int fd = sealed_copy(argv[2]);
        if (fd < 0) return fail("memfd copy");
        syscall(SYS_execveat, fd, "", argv + 2, environ, AT_EMPTY_PATH);
        return fail("execveat");
    }
    if (!strcmp(mode, "robind")) {
        int tree = syscall(SYS_open_tree, AT_FDCWD, argv[2], 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
        if (tree < 0) return fail("open_tree");
        struct mount_attr_ attr = { .set = 1 /* MOUNT_ATTR_RDONLY */ };
        if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) return fail("mount_setattr");
        syscall(SYS_execveat, tree, "", argv + 2, environ, AT_EMPTY_PATH);
        return fail("execveat");
    }
    if (!strcmp(mode, "opath-ro")) {
        if (unshare(CLONE_NEWNS) != 0) return fail("unshare");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return fail("make-rprivate");
        if (mount(argv[2], argv[2], NULL, MS_BIND, NULL) != 0) return fail("bind");
        if (mount(NULL, argv[2], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) return fail("remount ro");
        int fd = open(argv[2], O_PATH | O_CLOEXEC);
        if (fd < 0) return fail("open");
        if (umount2(argv[2], MNT_DETACH) != 0) return fail("umount");
        syscall(SYS_execveat, fd, "", argv + 2, environ, AT_EMPTY_PATH);
        return fail("execveat");
    }
    if (!strcmp(mode, "trampoline") && argc >= 4) {
        int image = open(argv[2], O_RDONLY | O_CLOEXEC);
        char bytes[4096];
        ssize_t n = image < 0 ? -1 : read(image, bytes, sizeof bytes);
        if (n <= 0) return fail("read image");
        int fd = memfd_create("rsrun-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0 || write(fd, bytes, n) != n) return fail("memfd");
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) return fail("seal");
        // argv[1], argv[2] become the marker and the path: { "rsrun-ex", PROG, PROG, ARGS... }.
        argv[1] = "rsrun-ex";
        argv[2] = argv[3];
        syscall(SYS_execveat, fd, "", argv + 1, environ, AT_EMPTY_PATH);
        return fail("execveat");
    }
    fprintf(stderr, "exe-protection: unknown mode %s\n", mode);
    return 2;
}
