"""Streaming plumbing shared by the workers: Kafka clients, Avro codecs, offsets."""
