package wsnats

// nkeyVectors are user nkeys made once by the nkeys module, with the
// signature nkeys made of nkeyVectorMessage: the browser tests check that
// WebCrypto signs alike (ed25519 is deterministic), and the native tests
// check the vectors against nkeys. None is known to any test server.
var nkeyVectors = []struct {
	seed, pub, rawSeed, sig string // raw seed and signature in hex
}{
	{
		seed:    "SUAH2FFGIRP76MV6KWTYA6NH2X6V6RZBBK7ZJOZOYUOVDW4YOX33SYU2IM",
		pub:     "UAIDVHGZBYLRHWTWWGRUF7TIGU2UJDZ4GQEPDA7KPHW2AHBRF7NGTKAS",
		rawSeed: "7d14a6445fff32be55a78079a7d5fd5f47210abf94bb2ec51d51db9875f7b962",
		sig:     "250ea32997f0043f850dbe9bb69b229eaf227eadb88936c2141af4ec2e8d70c87d66c55b0d83f209d9ddc62df6734a69d594926bef531f6ad2c96bf4ce203704",
	},
	{
		seed:    "SUAIHKQJY35KALN7QP22WAI53L3GIZH3UAN3OQKA3XTDJ4AKAOT3JV3LRA",
		pub:     "UC6PTKBIT55CWHTHPUHB4XWCJGOPTMFVL6IEYGVWQF4SFED45COWC6VG",
		rawSeed: "83aa09c6faa02dbf83f5ab011ddaf66464fba01bb74140dde634f00a03a7b4d7",
		sig:     "eb1ac45769ea9bc2c1a0603c314167478cea9e739caa34db9ea97c3311be67341d6bb97e203b4d6da8f696b32f91bead8ee46605675ff2805210b3bd9dd7ad01",
	},
}

// nkeyVectorMessage is the message the signatures of nkeyVectors sign.
const nkeyVectorMessage = "wsnats nonce test vector"
