"""The Data page: choosing built-in data or the user's own files, their options, the preview, and using them."""
