["rules"]
