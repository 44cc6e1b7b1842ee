from confluent_kafka import Producer
import json
p = Producer({"bootstrap.servers": "localhost:9094", "enable.idempotence": True})
p.produce("logs.raw", key="acme", value=json.dumps({"message": "Payment 42 declined", "level": "error"}))
p.flush()
