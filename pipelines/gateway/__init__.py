"""The reference OCPP-J gateway: stations in over WebSocket, every frame out to Kafka in the input-contract envelope."""
