"""The Export page: export to ONNX, compress into variants, compare them, benchmark."""
