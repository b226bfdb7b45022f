# gdsim: `make run` starts the app, `make test` runs lint + the whole test suite.
# Both set up everything they need from nothing (a local virtualenv; as root, the
# Debian packages for a virtual X screen with software OpenGL).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
XVFB := xvfb-run -a -s "-screen 0 1920x1080x24 +extension GLX +render"
DEBS := xvfb xauth openbox librsvg2-bin libgl1-mesa-dri libegl1 libgl1 libopengl0 libxkbcommon-x11-0 \
        libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 \
        libxcb-image0 libxcb-xinerama0 libfontconfig1 libdbus-1-3 fonts-dejavu-core

.PHONY: run test test-torch venv system-deps lint format bench package clean

# The package is installed editable in setuptools' "strict" mode: a tree of links in build/
# put on sys.path by a .pth file. The default mode imports a finder module at every Python
# start (~15 ms of the 1 s start-up budget; an installed gdsim has none). Edits show at once;
# adding or removing a file changes PKG_FILES_ID, which makes the links again.
PKG_FILES_ID := $(shell find gdsim -type f \( -name '*.py' -o -name '*.json' -o -name '*.svg' -o -name '*.csv' \) | sort | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(PKG_FILES_ID)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]" --config-settings editable_mode=strict
	rm -f $(VENV)/.installed*
	touch $@

# Byte-compiled like an installed package: this machine sets PYTHONDONTWRITEBYTECODE, and
# without the .pyc files every start would compile each gdsim module again (~80 ms).
venv: $(STAMP)
	@$(PY) -m compileall -q gdsim build/__editable__.gdsim-*

# Installs the X/OpenGL runtime when it is missing and we are root; otherwise says what is needed.
system-deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing Debian packages (install them as root):$$missing"; exit 1; fi; \
	fi

run: venv system-deps
	@if [ -n "$$DISPLAY" ]; then $(VENV)/bin/gdsim $(ARGS); else \
	  echo "no DISPLAY: gdsim runs on a virtual screen (xvfb-run) that nobody sees; Ctrl+C stops it"; \
	  $(XVFB) $(VENV)/bin/gdsim $(ARGS); fi

lint: venv
	$(VENV)/bin/ruff check gdsim tests
	$(VENV)/bin/ruff format --check gdsim tests

format: venv
	$(VENV)/bin/ruff format gdsim tests
	$(VENV)/bin/ruff check --fix gdsim tests

test: venv system-deps lint
	$(XVFB) $(PY) -m pytest -q

# The tests that compare gdsim with torch itself, in a virtualenv of their own with the
# CPU build of torch 2.13.0 (~750 MB; newer releases pull several GB of CUDA libraries).
# GDSIM_REQUIRE_TORCH makes a missing torch a failure there, never a skip.
TORCH_VENV ?= .venv-torch
TORCH_STAMP := $(TORCH_VENV)/.installed-torch-2.13.0-$(PKG_FILES_ID)

$(TORCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install --quiet "torch==2.13.0"
	$(TORCH_VENV)/bin/python -m pip install --quiet -e ".[dev]"
	rm -f $(TORCH_VENV)/.installed*
	touch $@

test-torch: $(TORCH_STAMP)
	GDSIM_REQUIRE_TORCH=1 $(TORCH_VENV)/bin/python -m pytest -q -m torch -p no:cacheprovider tests

bench: venv system-deps
	$(XVFB) $(VENV)/bin/gdsim bench all

# A standalone one-folder app in dist/gdsim (PyInstaller), with the .desktop file, the
# AppStream metainfo and the icon under dist/gdsim/share; it must pass --smoke-test.
package: venv system-deps
	$(PY) -m pip install --quiet "pyinstaller>=6.10,<7"
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN \
	  --distpath dist --workpath build/pyinstaller packaging/gdsim.spec
	packaging/install-share.sh dist/gdsim
	$(XVFB) dist/gdsim/gdsim --smoke-test

clean:
	rm -rf $(VENV) build dist *.egg-info
