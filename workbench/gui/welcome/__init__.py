"""The welcome page: how to start (a template, a built-in dataset, the user's own CSV file or image folder, a recent
project), shown on first launch and on File ▸ New."""
