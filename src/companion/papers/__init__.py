"""One sub-package per paper: its method (idea and equations first), one module per experiment
with the same interface (`Config`, `PROFILES`, `make_plan`, `run_plan`, `settings_table`), a
report module per experiment (figures, tables, `claims`), and the paper's reported numbers
(`reported`)."""
