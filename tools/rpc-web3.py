"""Drives `strata rpc` with web3.py (a real client library): run by tools/web3-test.sh.

The store holds hive's rpc-compat chain (20 Cancun blocks with legacy, access-list, dynamic-fee
and blob transactions, contract creations and logs). Every check compares what web3.py decodes
with facts of that chain; any mismatch or exception fails the run.
"""
import sys

from web3 import Web3

url = sys.argv[1]
w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 30}))
failures = []
checks = 0


def check(name, cond, detail=""):
    global checks
    checks += 1
    if not cond:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name} {detail}")
    else:
        print(f"ok   {name}")


check("connected", w3.is_connected())
check("chain id", w3.eth.chain_id == 3503995874084926, w3.eth.chain_id)
head = w3.eth.block_number
check("block number", head == 20, head)
check("client version", w3.client_version.startswith("strata/"), w3.client_version)

# Blocks with full transactions: every type the chain has, decoded by web3.py.
types = set()
tx_count = 0
for n in range(0, head + 1):
    block = w3.eth.get_block(n, full_transactions=True)
    check(f"block {n} number", block["number"] == n, block["number"])
    if n > 0:
        parent = w3.eth.get_block(n - 1)
        check(f"block {n} parent", block["parentHash"] == parent["hash"])
    for i, tx in enumerate(block["transactions"]):
        tx_count += 1
        types.add(tx["type"])
        check(f"block {n} tx {i} position", tx["blockNumber"] == n and tx["transactionIndex"] == i)
        again = w3.eth.get_transaction(tx["hash"])
        check(f"block {n} tx {i} by hash", again["hash"] == tx["hash"] and again["from"] == tx["from"])
        receipt = w3.eth.get_transaction_receipt(tx["hash"])
        check(f"block {n} tx {i} receipt", receipt["blockHash"] == block["hash"] and receipt["status"] in (0, 1)
              and receipt["transactionIndex"] == i)
check("transaction types", {0, 1, 2, 3}.issubset(types), sorted(types))
check("transactions seen", tx_count > 20, tx_count)
receipts = w3.eth.get_block_receipts(2)
check("block receipts", len(receipts) == len(w3.eth.get_block(2)["transactions"]), len(receipts))
blob = w3.eth.get_transaction("0xb0ebf0d8fca6724d5111d0be9ac61f0e7bf174208e0fafcb653f337c72465b83")
check("blob tx", blob["type"] == 3 and len(blob["blobVersionedHashes"]) == 1, blob.get("type"))

# Balances at past blocks: the emitter contract's balance at each block, by number and by hash.
emitter = Web3.to_checksum_address("0x7dcd17433742f4c0ca53122ab541d0ba67fc27df")
balances = [w3.eth.get_balance(emitter, block_identifier=n) for n in range(head + 1)]
check("balance at head", balances[-1] == 0x3f, balances[-1])
check("balance grows", balances[0] <= balances[5] <= balances[-1] and balances[0] != balances[-1], balances)
h5 = w3.eth.get_block(5)["hash"]
check("balance by block hash", w3.eth.get_balance(emitter, block_identifier=h5) == balances[5])
check("balance by 0x2a6275cf", w3.eth.get_balance(emitter, block_identifier="0x2a6275cf6c145fef2429949e11f0db11f677c456e3f595c92d9b44d51196d50a") == 0x1d)
check("nonce", w3.eth.get_transaction_count(Web3.to_checksum_address("0x7435ed30a8b4aeb0877cef0c6e8cffe834eb865f")) > 10)
check("code", len(w3.eth.get_code(emitter)) > 0)
check("storage", int.from_bytes(w3.eth.get_storage_at(emitter, 0), "big") == 0x1c)

# A contract call: the callenv contract echoes the block environment (number, chain id, ...).
callenv = Web3.to_checksum_address("0x9344b07175800259691961298ca11c824e65032d")
out = w3.eth.call({"to": callenv, "from": "0x0000000000000000000000000000000000000000"})
check("call number", int.from_bytes(out[0:32], "big") == head, out[0:32].hex())
check("call chain id", int.from_bytes(out[32:64], "big") == w3.eth.chain_id)
out5 = w3.eth.call({"to": callenv}, block_identifier=5)
check("call at block 5", int.from_bytes(out5[0:32], "big") == 5, out5[0:32].hex())
gas = w3.eth.estimate_gas({"from": Web3.to_checksum_address("0xaa00000000000000000000000000000000000000"), "to": Web3.to_checksum_address("0x0100000000000000000000000000000000000000")})
check("estimate transfer", gas == 21000, gas)

# A proof (EIP-1186): the account's fields, and a proof whose first node hashes to the state root.
proof = w3.eth.get_proof(emitter, [0], "latest")
root = w3.eth.get_block("latest")["stateRoot"]
check("proof balance", proof["balance"] == 0x3f, proof["balance"])
check("proof root", Web3.keccak(proof["accountProof"][0]) == root)
value = proof["storageProof"][0]["value"]
value = int.from_bytes(value, "big") if isinstance(value, (bytes, bytearray)) else int(value)
check("proof storage", value == 0x1c, value)
storage_root = w3.eth.get_proof(emitter, [0], "latest")["storageHash"]
check("proof storage root", Web3.keccak(proof["storageProof"][0]["proof"][0]) == storage_root)
old = w3.eth.get_proof(emitter, [], 3)
check("proof at block 3", Web3.keccak(old["accountProof"][0]) == w3.eth.get_block(3)["stateRoot"]
      and old["balance"] == balances[3])

logs = w3.eth.get_logs({"fromBlock": 1, "toBlock": 4, "address": emitter})
check("logs", len(logs) > 0 and all(l["address"] == emitter for l in logs), len(logs))
fh = w3.eth.fee_history(2, "latest", [50])
check("fee history", len(fh["baseFeePerGas"]) == 3, fh)

print(f"web3.py: {checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
