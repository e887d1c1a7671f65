"""What the entry points in functions/ share: HTTP plumbing and the decorators that declare a handler."""
