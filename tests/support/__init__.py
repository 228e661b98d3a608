"""What several test folders (and the benchmark) share: free ports, the real servers, scratch databases."""
