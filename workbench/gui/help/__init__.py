"""Help inside the window: the help browser (layers and glossary, with search), links into it from the pages, and
the guided tour."""
