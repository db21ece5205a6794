# The exec trampoline (x86_64): a whole static ELF image, header included, that rsrun loads
# into a sealed memfd and executes instead of the container's program, which it then executes
# in turn. While it runs, /proc/self/exe is that sealed copy, never the rsrun binary on the
# host, so a "#!/proc/self/exe" script or an open of /proc/<pid>/exe can only reach the copy
# (CVE-2019-5736). See docs/architecture.md.
#
# Calling convention: argv = { "rsrun-ex", path, program argv[0], argv[1], ..., NULL }.
# Anything else (run as a script's interpreter, or by hand) is refused, so that a script
# naming /proc/self/exe cannot loop. If execve fails, the message and exit code (127) are
# those rsrun gives when it execs directly, with the errno as a number.
#
# Build: contrib/trampoline/generate.sh (GNU as + objcopy) writes
# Sources/Core/Process/ExecTrampolineImage.swift from this file.

        .set    BASE, 0x400000
        .text
ehdr:
        .byte   0x7f, 'E', 'L', 'F', 2, 1, 1, 0   # ELFCLASS64, little endian, version 1, SysV
        .quad   0
        .word   2                                 # ET_EXEC
        .word   62                                # EM_X86_64
        .long   1
        .quad   BASE + (start - ehdr)             # e_entry
        .quad   phdrs - ehdr                      # e_phoff
        .quad   0                                 # e_shoff: no sections
        .long   0
        .word   64, 56, 2, 0, 0, 0                # ehsize, phentsize, phnum, no section headers
phdrs:
        .long   1, 5                              # PT_LOAD, readable and executable
        .quad   0, BASE, BASE
        .quad   end - ehdr, end - ehdr
        .quad   0x1000
        .long   0x6474e551, 6                     # PT_GNU_STACK: the stack is not executable
        .quad   0, 0, 0, 0, 0, 16

start:
        mov     (%rsp), %rcx                      # argc
        lea     8(%rsp), %rsi                     # argv
        lea     8(%rsi,%rcx,8), %rdx              # envp, after argv's NULL
        cmp     $3, %rcx
        jb      refuse
        mov     (%rsi), %rax                      # argv[0] must be the 8-byte marker
        mov     (%rax), %r8
        cmp     marker(%rip), %r8
        jne     refuse
        cmpb    $0, 8(%rax)
        jne     refuse
        mov     8(%rsi), %rdi                     # path
        add     $16, %rsi                         # the program's own argv
        mov     $59, %eax                         # execve
        syscall

        neg     %eax                              # execve failed: -errno
        mov     %eax, %r13d
        mov     (%rsi), %r12                      # the program's argv[0] names it
        lea     prefix(%rip), %rsi
        mov     $(prefix_end - prefix), %edx
        call    say
        mov     %r12, %rsi
        xor     %edx, %edx
1:      cmpb    $0, (%rsi,%rdx)
        je      2f
        inc     %rdx
        jmp     1b
2:      call    say
        sub     $32, %rsp                         # ": errno N\n", digits written backwards
        lea     31(%rsp), %rdi
        movb    $'\n', (%rdi)
        mov     %r13d, %eax
        mov     $10, %ecx
3:      xor     %edx, %edx
        div     %ecx
        add     $'0', %dl
        dec     %rdi
        mov     %dl, (%rdi)
        test    %eax, %eax
        jnz     3b
        sub     $8, %rdi
        mov     errno_text(%rip), %rax
        mov     %rax, (%rdi)
        mov     %rdi, %rsi
        lea     32(%rsp), %rdx
        sub     %rdi, %rdx
        call    say
        mov     $127, %edi
        jmp     leave

refuse:
        lea     refusal(%rip), %rsi
        mov     $(refusal_end - refusal), %edx
        call    say
        mov     $126, %edi
leave:
        mov     $231, %eax                        # exit_group
        syscall

say:                                              # write(2, %rsi, %rdx), %rdi kept
        push    %rdi
        mov     $1, %eax
        mov     $2, %edi
        syscall
        pop     %rdi
        ret

marker:     .ascii  "rsrun-ex"
errno_text: .ascii  ": errno "
prefix:     .ascii  "rsrun: exec "
prefix_end:
refusal:    .ascii  "rsrun: the exec trampoline only starts container programs for rsrun\n"
refusal_end:
end:
