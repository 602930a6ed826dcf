"""Questions, the same question in other words, and a question on another topic.

Shared by the tests of the full sentence encoder and of its distilled vectors, so that
both are held to the same examples.
"""

PARAPHRASE_TRIPLES = [
    ("a supplier emailed new bank details, should I pay?",
     "an invoice arrived saying the payee account has changed", "how do I back up my files?"),
    ("staff who leave still have their logins", "removing access when someone quits",
     "our card machine is asking for an update"),
    ("our files are encrypted and there is a ransom note", "hackers locked our computers",
     "which Wi-Fi password should the shop use?"),
]
