"""Performance tracking: spans, transactions, sampling and trace propagation."""
