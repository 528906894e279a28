# emflow-lqft build.  See README.md for the two set-up commands.
#
#   make            build bin/emflow-lqft (and bin/emflow-analyze when present)
#   make deps       install the Debian packages (idempotent, non-interactive)
#   make run        deps + build + the main job on a small default
#   make check      deps + build + all fast tests (unit, mpi, physics)
#   make check-long long physics and regression runs
#   make bench      benchmarks (print ratios, never assert on time)
#
# Every library module lives in src/<module>/*.c; programs in src/main/*.c;
# tests are single-file programs under tests/ (see tests/README.md).

CC       := mpicc
PKGS     := hdf5-openmpi fftw3 gsl libconfig
ARCH     ?= -march=x86-64-v3
# B: object directory (make bench builds an AVX-512 copy of bench_flow in
# build/v4 with B=build/v4 ARCH=-march=x86-64-v4 where the CPU has it)
OPT      ?= -O3 $(ARCH) -fno-math-errno -fcx-limited-range
CSTD     := -std=c11 -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Werror
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS := -Iinclude -Itests/lib
CFLAGS   := $(CSTD) $(OPT) $(WARN) -MMD -MP
LDLIBS    = -lfftw3_mpi $(PKG_LIBS) -lm
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GITREV   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

LIB_SRC  := $(filter-out src/main/%,$(wildcard src/*/*.c))
B        ?= build
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
LIB      := $(B)/libemflow.a
PROG_SRC := $(wildcard src/main/*.c)
PROGS    := $(PROG_SRC:src/main/%.c=bin/%)
TLIB_SRC := $(wildcard tests/lib/*.c)
TLIB_OBJ := $(TLIB_SRC:%.c=$(B)/%.o)
TEST_SRC := $(filter-out tests/lib/%,$(shell find tests -name '*.c' | sort))
TESTS    := $(TEST_SRC:%.c=$(B)/%.x)
BENCH_SRC:= $(wildcard bench/*.c)
BENCHES  := $(BENCH_SRC:%.c=$(B)/%.x)

NP       ?= $(shell nproc 2>/dev/null || echo 2)
MPIRUN   := OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
            OMPI_MCA_rmaps_base_oversubscribe=1 mpirun

.PHONY: all deps run check check-long bench tests clean distclean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(PROGS)

deps:
	@sh tools/install-deps.sh

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC    $<"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -DEMF_VERSION='"$(VERSION)"' \
	  -DEMF_GITREV='"$(GITREV)"' -c $< -o $@

# The objects that embed the git revision (EMF_GITREV) are rebuilt when it
# changes: $(B)/gitrev holds the revision of the last build.
$(shell mkdir -p $(B); [ "$$(cat $(B)/gitrev 2>/dev/null)" = "$(GITREV)" ] || echo "$(GITREV)" > $(B)/gitrev)
$(B)/src/main/emflow-lqft.o $(B)/src/main/emflow-analyze.o $(B)/src/io/file.o \
  $(B)/src/io/config.o: $(B)/gitrev

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  AR    $@"
	@rm -f $@ && ar rcs $@ $^

bin/%: $(B)/src/main/%.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LD    $@"
	@$(CC) $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(B)/tests/%.x: $(B)/tests/%.o $(TLIB_OBJ) $(LIB)
	@echo "  LD    $@"
	@$(CC) $(CFLAGS) $< $(TLIB_OBJ) $(LIB) $(LDLIBS) -o $@

$(B)/bench/%.x: $(B)/bench/%.o $(LIB)
	@echo "  LD    $@"
	@$(CC) $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@

tests: $(PROGS) $(TESTS)

run: deps
	@$(MAKE) -s --no-print-directory all
	@sh tools/run-main.sh

check: deps
	@$(MAKE) -s --no-print-directory tests
	@sh tests/run.sh fast

check-long: deps
	@$(MAKE) -s --no-print-directory tests
	@sh tests/run.sh long

bench: deps
	@$(MAKE) -s --no-print-directory $(PROGS) $(BENCHES)
	@sh bench/run.sh

clean:
	rm -rf build bin

distclean: clean
	rm -rf runs

-include $(shell find build -name '*.d' 2>/dev/null)
