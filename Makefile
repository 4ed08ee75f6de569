# proctor — build, test, demo and benchmarks. `make demo` and `make test` are the README's
# two commands; both set the machine up first when needed.
PREFIX ?= /usr/local
# bash for pipefail/PIPESTATUS in `test`.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= debug
BUILD_FLAGS ?=
BIN = .build/$(CONFIG)/proctor

# Debian packages: libraries to build against, and the tools tests read results back with.
APT_PACKAGES = pkg-config libsodium-dev libssl-dev \
	libavcodec-dev libavformat-dev libavdevice-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev \
	libasound2-dev alsa-utils libcairo2-dev libpango1.0-dev fonts-dejavu-core \
	libdlib-dev libdlib-data libblas-dev liblapack-dev libwebrtc-audio-processing-dev \
	ffmpeg poppler-utils xvfb x11-xserver-utils nginx openssl espeak-ng sox procps time jq valgrind python3-pip \
	chromium chromium-driver curl postgresql sqlite3 \
	libpipewire-0.3-dev libglib2.0-dev libglib2.0-bin sway swaybg grim pipewire pipewire-bin wireplumber xdg-desktop-portal xdg-desktop-portal-wlr \
	dbus dbus-daemon dbus-bin gcc
SETUP_STAMP = .build/.setup-done

# axe-core for the browser tests' accessibility checks (Tests/Support/Browser), from the pinned
# PyPI wheel that bundles it; tests only.
AXE_WHEEL = axe_core_python-0.1.0-py3-none-any.whl
AXE_SHA256 = f99f6bd674726c631c5e20b876983b44dff2b8f452a0ccf08f3c23ee45d0aac3
AXE_DIR = .build/test-tools/axe

# libfacedetection (BSD-3), the CNN face detector, as its author's PyPI wheel `yuface` ships it:
# the wheel is pinned and SHA-256 checked, and only its standalone libfacedetection.so (with the
# libgomp it links, in the wheel's own layout so its RPATH holds) and LICENSE are kept.
# proctor loads it with dlopen when the CPU has AVX2 and falls back to dlib's HOG otherwise
# (docs/detectors.md, "Which face detector runs").
FACEDETECTION_WHEEL = yuface-2023.5.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
FACEDETECTION_SHA256 = fd03270a672da75b89809a2c999d5728ef19c6e701408a4d0bc9c00480c864a0
FACEDETECTION_DIR = .build/lib/proctor/facedetection

.PHONY: setup build release test test-unit test-integration demo bench install man clean faults fuzz fairness

setup: $(SETUP_STAMP)

$(SETUP_STAMP): Makefile
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@bash scripts/fairness/fetch-facedetection.sh $(FACEDETECTION_WHEEL) $(FACEDETECTION_SHA256) $(FACEDETECTION_DIR)
	@bash scripts/browser/fetch-axe.sh $(AXE_WHEEL) $(AXE_SHA256) $(AXE_DIR)
	@mkdir -p .build && touch $@

build: setup
	$(SWIFT) build -c $(CONFIG) $(BUILD_FLAGS)

release:
	$(MAKE) build CONFIG=release

# Tests (docs/architecture.md, "Tests"): `make test` runs the unit tests, then the integration
# tests, and closes with one XCTest summary for both; the failures are repeated just before it
# so that the last lines of a CI log name the failing test and its assertion (full log:
# .build/test.log). Integration tests are the built binary end to end (all of CLITests), the
# library tests that record, play or wait in real time, and those that run the full face models
# over clips and portraits; this list, regular expressions over `Target.Class/test`, is the one
# place that says which they are. Every other test is a unit test and must stay fast:
# `make test-unit` runs in well under a minute.
INTEGRATION_TESTS = '^CLITests\.' \
	'^EncodeTests\.(FileSourceTests|MicrophoneTests|RecorderTests|ScreenTests)/' \
	'^DetectTests\.(FaceTimelineTests|FairnessTests|LandmarkReferenceTests|ModelCacheTests)/' \
	'^SessionTests\.DeliveryWebTests/(testSilentStallIsDetectedAndResumed|testSlowSteadyUploadOutlastsTheIdleTimeout)$$' \
	'^WebLayerTests\.BrowserSmokeTests/' \
	'^ReviewTests\.ReviewBrowserTests/'
TEST = SWIFT="$(SWIFT)" BUILD_FLAGS="$(BUILD_FLAGS)" bash scripts/test.sh

test: setup
	@$(TEST) all $(INTEGRATION_TESTS)

test-unit: setup
	@$(TEST) unit $(INTEGRATION_TESTS)

test-integration: setup
	@$(TEST) integration $(INTEGRATION_TESTS)

demo: setup
	$(SWIFT) build -c $(CONFIG) $(BUILD_FLAGS)
	PROCTOR=$(BIN) bash scripts/demo.sh

bench: setup
	$(SWIFT) build -c release $(BUILD_FLAGS)
	PROCTOR=.build/release/proctor bash scripts/bench.sh

# Face-detector recall per skin-tone group on webcam-like scenes built from the LFW photos in
# ../shared/fixtures/fairness-lfw (not committed; docs/detectors.md, "Fairness"). `make test`
# runs a bounded version of the same evaluation.
fairness: setup
	PROCTOR_FAIRNESS=full $(SWIFT) test --disable-swift-testing $(BUILD_FLAGS) --filter 'DetectTests.LFWFairnessTests' 2>&1 | tee .build/fairness.log | grep -E '^FAIRNESS|error|failed|passed' ; exit $${PIPESTATUS[0]}

# Long fault campaigns, by hand (a short version of each runs in `make test`): docs/benchmarks.md.
faults: setup
	$(SWIFT) build -c release $(BUILD_FLAGS)
	PROCTOR=.build/release/proctor bash scripts/faults/all.sh

# libFuzzer + AddressSanitizer over every Sources/fuzz-* target, in .build-fuzz; FUZZ_SECONDS each.
FUZZ_SECONDS ?= 20
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/faults/fuzz.sh

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 .build/release/proctor $(DESTDIR)$(PREFIX)/bin/proctor
	install -d $(DESTDIR)$(PREFIX)/lib/proctor/facedetection/yuface $(DESTDIR)$(PREFIX)/lib/proctor/facedetection/yuface.libs
	install -m 0644 $(FACEDETECTION_DIR)/yuface/libfacedetection.so $(DESTDIR)$(PREFIX)/lib/proctor/facedetection/yuface/
	install -m 0644 $(FACEDETECTION_DIR)/yuface.libs/* $(DESTDIR)$(PREFIX)/lib/proctor/facedetection/yuface.libs/
	install -D -m 0644 $(FACEDETECTION_DIR)/LICENSE $(DESTDIR)$(PREFIX)/share/doc/proctor/libfacedetection/LICENSE
	$(MAKE) man PROCTOR=.build/release/proctor
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0644 .build/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 .build/man/proctor.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/proctor
	install -m 0644 .build/man/_proctor $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_proctor
	install -m 0644 .build/man/proctor.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/proctor.fish

# Manual page and shell completions, both generated by swift-argument-parser.
PROCTOR ?= $(BIN)
man: build
	mkdir -p .build/man
	$(SWIFT) package --allow-writing-to-directory .build/man generate-manual --multi-page --output-directory .build/man
	# The generator documents hidden commands too; bench-seal and bench-bundle are for `make bench` only.
	rm -f .build/man/proctor.bench-*.1
	sed -i '/^\.Xr proctor\.bench-/d' .build/man/proctor.1
	$(PROCTOR) --generate-completion-script bash > .build/man/proctor.bash
	$(PROCTOR) --generate-completion-script zsh > .build/man/_proctor
	$(PROCTOR) --generate-completion-script fish > .build/man/proctor.fish

clean:
	rm -rf .build demo out
