# The two commands of the README. Each creates/reuses the virtual environment first (tools/env.sh).
.PHONY: demo test slow-test readme accuracy
demo:  ## install, then the main job
	@V=$$(tools/env.sh) && "$$V/bin/apollo_demo"
test:  ## install, then every check and notebook test; ends with 'N passed, M failed'
	@V=$$(tools/env.sh) && "$$V/bin/python" tools/run_tests.py
slow-test:  ## the same, with the cells flagged slow (and cuda, where torch sees a GPU) executed too
	@V=$$(tools/env.sh) && F=$$("$$V/bin/python" -c "import torch; print('slow cuda' if torch.cuda.is_available() else 'slow')") \
	  && echo "[test] flags: $$F" && "$$V/bin/python" tools/run_tests.py --flags "$$F"
readme:  ## regenerate README.md from nbs/index.ipynb (offline; nbdev_readme does it where quarto exists)
	@V=$$(tools/env.sh) && "$$V/bin/python" tools/readme.py
accuracy:  ## after `make demo`: the accuracy table (the blog row trains ~10 CPU minutes), then the README that shows it
	@V=$$(tools/env.sh) && "$$V/bin/python" benchmarks/accuracy.py --library_model output/demo/posenet.pth --map output/demo/map && "$$V/bin/python" tools/readme.py --execute
