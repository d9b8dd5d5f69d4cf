def test_jurisdiction_page_names_bordered_countries_in_the_readers_language(client_as):
    client = client_as("ruili")
    zh = client.get("/places/533102/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">缅甸<" in zh
    assert ">MMR<" not in zh
    en = client.get("/places/533102/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Myanmar<" in en
