["rules", "DR10"]
