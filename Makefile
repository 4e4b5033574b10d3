# surge — build, test, check, fuzz, bench, demo.
# `make` builds bin/surge and bin/surge-testbed; `make test` installs what is
# missing (scripts/deps), builds and runs every test; `make check` runs the same
# tests built with AddressSanitizer and UndefinedBehaviorSanitizer.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BUILD     ?= build
CC        ?= cc
PKGS      := openssl jansson zlib libfyaml libjpeg libpng
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
             -Wmissing-prototypes -Wno-unused-parameter
OPT       ?= -O2 -g
CFLAGS    ?=
CFLAGS    += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -Isrc $(PKG_CFLAGS) \
             -DSURGE_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS    += $(PKG_LIBS) -lev -lhttp_parser -lwslay -lpthread -lm

# `make` links the Debian static archives (lib*.a) of the libraries above into every
# binary, with -no-pie; glibc (libc, libm, libdl, libpthread, librt) stays dynamic. Start-up
# then maps hardly any shared library (issue 13: exec to first request < 5 ms). A library
# without an archive stays dynamic; `make STATIC=0` links them all dynamically, as do
# the sanitizer builds. (Switching modes relinks nothing by itself: make clean first.)
STATIC    ?= 1
ifneq ($(SANITIZE),)
  override STATIC := 0
endif
ifeq ($(STATIC),1)
  # pkg-config --static lists what each archive needs after it (libpng16.a: -lz -lm)
  PKG_LIBS_STATIC := $(shell pkg-config --libs --static $(PKGS) 2>/dev/null)
  GLIBC_LIBS := -lc -lm -ldl -lpthread -lrt -lresolv
  archive_or = $(if $(filter /%,$(1)),$(1),$(2))
  static_lib = $(if $(filter $(GLIBC_LIBS),$(1)),$(1),$(call archive_or,$(shell $(CC) -print-file-name=lib$(1:-l%=%).a),$(1)))
  LDLIBS    := $(foreach l,$(PKG_LIBS_STATIC) $(filter-out $(PKG_LIBS),$(LDLIBS)),$(if $(filter -l%,$(l)),$(call static_lib,$(l)),$(l)))
  LDFLAGS   += -no-pie
endif

ifeq ($(SANITIZE),1)
  CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SANITIZE),thread)
  CFLAGS  += -fsanitize=thread -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=thread
endif

Q := @
ifeq ($(V),1)
  Q :=
endif

# Every src/<stage>/*.c is part of libsurge except the CLI entry point.
LIB_SRC   := $(filter-out src/cli/main.c,$(wildcard src/*/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ  := $(BUILD)/src/cli/main.o
TB_SRC    := $(wildcard testbed/*.c)
TB_OBJ    := $(TB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Unit tests of the testbed: tests/unit/tb_test_NAME.c -> $(BUILD)/tests/test_tb_NAME, linked
# with the testbed's objects (every testbed/*.o except main.o, as an archive) instead of libsurge.
TB_LIB_OBJ := $(filter-out $(BUILD)/testbed/main.o,$(TB_OBJ))
TB_UNIT_SRC := $(wildcard tests/unit/tb_test_*.c)
TB_UNIT_BIN := $(TB_UNIT_SRC:tests/unit/tb_test_%.c=$(BUILD)/tests/test_tb_%)
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)

SURGE     := $(BUILD)/bin/surge
TESTBED   := $(BUILD)/bin/surge-testbed

.SECONDARY:
.PHONY: all deps test tests-built check unit integration fuzz fuzz-smoke tsan bench demo install clean lint

all: $(SURGE) $(TESTBED) bin/surge bin/surge-testbed

bin/surge bin/surge-testbed: bin/%: $(BUILD)/bin/%
	@mkdir -p bin
	$(Q)ln -sf ../$(BUILD)/bin/$* $@

$(SURGE): $(MAIN_OBJ) $(BUILD)/libsurge.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(TESTBED): $(TB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libsurge.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libsurge.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libtestbed.a: $(TB_LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/unit/tb_test_%.o: CFLAGS += -Itestbed

$(BUILD)/tests/test_tb_%: $(BUILD)/tests/unit/tb_test_%.o $(BUILD)/libtestbed.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(BUILD)/libsurge.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# `make MPI=1`: also build/bin/surge-mpi, the MPI launcher (src/dist/mpi/, Open MPI from
# Debian: libopenmpi-dev). The plain build never sees MPI. Open MPI runs on libevent, whose
# event_add libev also exports (its compatibility API): libevent comes first in the link
# so Open MPI's calls reach libevent, not libev.
ifeq ($(MPI),1)
MPI_SRC    := $(wildcard src/dist/mpi/*.c)
MPI_OBJ    := $(MPI_SRC:%.c=$(BUILD)/%.o)
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null || mpicc --showme:compile)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null || mpicc --showme:link)
SURGE_MPI  := $(BUILD)/bin/surge-mpi

all tests-built: $(SURGE_MPI)

$(MPI_OBJ): CFLAGS += $(MPI_CFLAGS)

$(SURGE_MPI): $(MPI_OBJ) $(BUILD)/libsurge.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -Wl,--no-as-needed $(MPI_LIBS) -levent_core -levent_pthreads \
	    $(LDLIBS)
endif

deps:
	$(Q)scripts/deps $(if $(filter 1,$(MPI)),mpi)

# The README's test command: install what is missing, build, run every test.
test: deps
	$(Q)$(MAKE) --no-print-directory all tests-built
	$(Q)tests/run $(BUILD)

tests-built: $(UNIT_BIN) $(TB_UNIT_BIN) $(TOOL_BIN) $(SURGE) $(TESTBED)

# Same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
check: deps
	$(Q)scripts/lint
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 OPT="-O1 -g" tests-built
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    SURGE_SANITIZED=1 tests/run build/asan

# ThreadSanitizer: the tests that run the engine on several worker threads (quick and plan
# runs with -t 2, faults; the executors' timing tests are too tight for it), built with -fsanitize=thread; every report (surge's or
# the testbed's, written to build/tsan/race.PID) is a failure.
TSAN_TESTS ?= tests/faults/engine_faults.sh tests/faults/fault_matrix.sh \
              tests/integration/quick_nginx.sh
tsan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/tsan SANITIZE=thread OPT="-O1 -g" all
	$(Q)export SURGE_BUILD=$$PWD/build/tsan SURGE_BIN=$$PWD/build/tsan/bin/surge \
	    TESTBED_BIN=$$PWD/build/tsan/bin/surge-testbed SURGE_TOOLS=$$PWD/build/tools \
	    SURGE_SANITIZED=1 TSAN_OPTIONS="exitcode=66 log_path=$$PWD/build/tsan/race"; \
	  rm -f build/tsan/race.*; p=0 f=0; for t in $(TSAN_TESTS); do \
	    out=$$(timeout -k 10 600 bash $$t 2>&1); rc=$$?; \
	    tp=$$(printf '%s\n' "$$out" | grep -c '^PASS '); tf=$$(printf '%s\n' "$$out" | grep -c '^FAIL '); \
	    if [ $$rc -ne 0 ] && [ $$tf -eq 0 ]; then tf=1; fi; \
	    printf '%-40s %3d passed %3d failed\n' "tsan/$$t" $$tp $$tf; \
	    if [ $$tf -gt 0 ]; then printf '%s\n' "$$out" | grep -E '^FAIL|WARNING: ThreadSanitizer|^    #' | head -40 | sed 's/^/    /'; fi; \
	    p=$$((p + tp)); f=$$((f + tf)); done; \
	  for r in build/tsan/race.*; do [ -e "$$r" ] || continue; f=$$((f + 1)); \
	    echo "FAIL tsan: $$r"; grep -E 'WARNING|^    #[0-9]' "$$r" | head -20 | sed 's/^/    /'; done; \
	  echo "$$p passed, $$f failed"; [ $$f -eq 0 ]

unit: $(UNIT_BIN) $(TB_UNIT_BIN)
	$(Q)tests/run $(BUILD) unit

integration: all tests-built
	$(Q)tests/run $(BUILD) integration

# libFuzzer targets: build each, run each for FUZZ_SECONDS (default 20).
FUZZ_SECONDS ?= 20
fuzz: deps
	$(Q)scripts/fuzz $(FUZZ_SECONDS) $(FUZZ_SRC)

# CI's fuzzing: every target for 60 s, two at a time (about 11 minutes for 22 targets).
fuzz-smoke: deps
	$(Q)FUZZ_JOBS=2 scripts/fuzz 60 $(FUZZ_SRC)

bench: all
	$(Q)bench/vs-wrk.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(SURGE) $(TESTBED) $(DESTDIR)$(PREFIX)/bin/

lint:
	$(Q)scripts/lint

clean:
	rm -rf build bin surge-demo

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
