"""The Try-it page: an exported model answering new input drawn, opened or typed by the user."""
