from ninja import Router

routers: list[Router] = []
