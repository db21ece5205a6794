# rsrun: build and install.
#
#   make                                   release build (swift build -c release --product rsrun)
#   make install PREFIX=/usr/local DESTDIR=
#   make uninstall PREFIX=/usr/local DESTDIR=
#   make install BINARY=/path/to/rsrun     install a binary built elsewhere, without building
#
# The man page and the bash completion are generated at install time by running the binary
# (`rsrun help --man`, `rsrun help --completion bash`), from the table its parser uses.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
EXAMPLEDIR ?= $(PREFIX)/share/rsrun/examples

SWIFT ?= swift
SCRATCH ?= .build
BUILT := $(SCRATCH)/release/rsrun
BINARY ?= $(BUILT)

INSTALL ?= install
EXAMPLES := containers.conf daemon.json containerd-config.toml README.md

.PHONY: all build install uninstall clean

all: build

build:
	$(SWIFT) build -c release --product rsrun --scratch-path $(SCRATCH)

# Only the binary this Makefile builds is built on install; BINARY=... is taken as it is.
ifeq ($(BINARY),$(BUILT))
install: build
endif

# The examples get the binary's path where this install puts it.
install:
	@test -x "$(BINARY)" || { echo "make install: no executable at $(BINARY): run make, or pass BINARY=" >&2; exit 1; }
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(COMPLETIONDIR)" "$(DESTDIR)$(EXAMPLEDIR)"
	$(INSTALL) -m 0755 "$(BINARY)" "$(DESTDIR)$(BINDIR)/rsrun"
	"$(BINARY)" help --man > "$(DESTDIR)$(MANDIR)/man1/rsrun.1.tmp"
	mv "$(DESTDIR)$(MANDIR)/man1/rsrun.1.tmp" "$(DESTDIR)$(MANDIR)/man1/rsrun.1"
	chmod 0644 "$(DESTDIR)$(MANDIR)/man1/rsrun.1"
	"$(BINARY)" help --completion bash > "$(DESTDIR)$(COMPLETIONDIR)/rsrun.tmp"
	mv "$(DESTDIR)$(COMPLETIONDIR)/rsrun.tmp" "$(DESTDIR)$(COMPLETIONDIR)/rsrun"
	chmod 0644 "$(DESTDIR)$(COMPLETIONDIR)/rsrun"
	for f in $(EXAMPLES); do \
		sed 's|/usr/local/bin/rsrun|$(BINDIR)/rsrun|g' "contrib/engines/$$f" > "$(DESTDIR)$(EXAMPLEDIR)/$$f" || exit 1; \
		chmod 0644 "$(DESTDIR)$(EXAMPLEDIR)/$$f"; \
	done

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/rsrun" "$(DESTDIR)$(MANDIR)/man1/rsrun.1" "$(DESTDIR)$(COMPLETIONDIR)/rsrun"
	for f in $(EXAMPLES); do rm -f "$(DESTDIR)$(EXAMPLEDIR)/$$f"; done
	rmdir "$(DESTDIR)$(EXAMPLEDIR)" "$(DESTDIR)$(PREFIX)/share/rsrun" 2>/dev/null || true

clean:
	$(SWIFT) package clean --scratch-path $(SCRATCH)
