"""Building events: exceptions, frames, the serializer, scrubbing and defaults."""
