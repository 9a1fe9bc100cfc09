"""Fine-Tuning Workbench core package."""
