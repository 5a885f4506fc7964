"""The Design page: the canvas, the layer palette, the inspector and the problems list."""
