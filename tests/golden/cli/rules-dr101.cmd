["rules", "DR101"]
