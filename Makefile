# gdsim: `make run` starts the app, `make test` runs lint + the whole test suite.
# Both set up everything they need from nothing (a local virtualenv; as root, the
# Debian packages for a virtual X screen with software OpenGL).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
XVFB := xvfb-run -a -s "-screen 0 1920x1080x24 +extension GLX +render"
DEBS := xvfb xauth libgl1-mesa-dri libegl1 libgl1 libopengl0 libxkbcommon-x11-0 \
        libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 \
        libxcb-image0 libxcb-xinerama0 libfontconfig1 libdbus-1-3 fonts-dejavu-core

.PHONY: run test venv system-deps lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# Byte-compiled like an installed package: this machine sets PYTHONDONTWRITEBYTECODE, and
# without the .pyc files every start would compile each gdsim module again (~80 ms).
venv: $(VENV)/.installed
	@$(PY) -m compileall -q gdsim

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
	@if [ -n "$$DISPLAY" ]; then $(VENV)/bin/gdsim $(ARGS); else $(XVFB) $(VENV)/bin/gdsim $(ARGS); fi

lint: venv
	$(VENV)/bin/ruff check gdsim tests
	$(VENV)/bin/ruff format --check gdsim tests

format: venv
	$(VENV)/bin/ruff format gdsim tests
	$(VENV)/bin/ruff check --fix gdsim tests

test: venv system-deps lint
	$(XVFB) $(PY) -m pytest -q

bench: venv system-deps
	$(XVFB) $(VENV)/bin/gdsim bench all

clean:
	rm -rf $(VENV) build *.egg-info
